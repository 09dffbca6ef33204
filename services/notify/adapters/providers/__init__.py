"""Delivery channels behind one interface (Provider): webhook, SMS gateway, SMTP, file sink."""
