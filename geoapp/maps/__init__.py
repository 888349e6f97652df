"""What map pages draw: folium builders and legend, base-map context, light boundaries, choropleth."""
