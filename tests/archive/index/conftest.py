"""Shared fixtures for these tests."""
