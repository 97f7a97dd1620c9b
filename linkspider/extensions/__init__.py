"""Scrapy extensions of linkspider (enabled in ``linkspider.settings.EXTENSIONS``)."""
