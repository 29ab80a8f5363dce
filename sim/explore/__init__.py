"""`citypaths explore`: a local web page with a lever per measure, capacity and budget of one
city, answered by the one model (docs/explore.md).

`session.Explorer` holds a loaded scenario and turns a lever state into an answer (the
pathway, wedges, targets, costs, delays) and into the scenario file that reproduces it;
`server` serves the page and the JSON API with Starlette.
"""
