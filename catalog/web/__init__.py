"""The catalog's pages (an interface, like catalog.api): browsing what fits a line."""
