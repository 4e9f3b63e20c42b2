"""The deployment package (build/X/deploy/) and copying it to a board."""
