"""Notifications: everyone concerned learns at once (inbox now; e-mail, SMS, webhooks with issue 7)."""
