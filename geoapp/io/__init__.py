"""Readers and writers of the files users bring and take (GeoJSON, CSV/HXL, GeoPackage, GPX, OSM, DTM, ACLED)."""
