"""Outputs: blank templates, consolidated workbook, return lists, charts and HTML packs."""
