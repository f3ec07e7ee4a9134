"""Turning deliveries into what people and programs read: lines, views, live tables."""
