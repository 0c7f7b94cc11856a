"""Analysis: indicators, rankings, awards shortlist, lessons, checklist and submission tracking."""
