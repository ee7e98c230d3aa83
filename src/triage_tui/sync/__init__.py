"""Adapters to GitLab and Salesforce behind Protocols, and pure mapping of their payloads."""
