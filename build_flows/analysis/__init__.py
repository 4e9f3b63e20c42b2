"""What a build's reports say: FINN+'s per-layer estimates and the tables and plots of
`bcnn report`."""
