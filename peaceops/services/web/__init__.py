"""The web app: ``create_app(settings)`` builds the HTML pages and the JSON API."""
