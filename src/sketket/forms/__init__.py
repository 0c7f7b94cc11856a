"""The three appendix tables (Phụ lục I, II, III): their layout, templates, reading and consolidation."""
