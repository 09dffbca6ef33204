"""What docker-compose.yml runs besides the services: the container healthcheck, database init."""
