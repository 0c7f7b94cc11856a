"""The illustrative demo city: filled tables, narrative reports and the manifest of planted faults."""
