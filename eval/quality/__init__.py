"""Answer quality: datasets, metrics, runs and reports, where answers are lost (see ``eval``)."""
