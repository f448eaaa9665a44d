"""Content use cases: public reading and editorial work."""
