"""The images the scenarios run: names and their checks (names, no Pulumi), and the image resources (remote)."""
