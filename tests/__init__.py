"""The project's tests. A regular package, so `tests.*` imports find these and not the
`tests` package some wheels (pygeoapi 0.21) install into site-packages."""
