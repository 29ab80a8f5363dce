"""Results read back: per-city summaries, targets, delays, latest starts."""
