"""Loopback emulators of the GitLab and Salesforce REST APIs, for tests and manual runs."""
