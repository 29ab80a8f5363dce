"""The frozen plan a scenario becomes: index arrays and a table of parameters."""
