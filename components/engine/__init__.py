"""The Docker engine: where it is (DOCKER_HOST, a Docker context, ssh://), the client the project's own
providers and checks use (docker-py), which engine the program targets, what is looked up on it
(networks, host routes, containers), and the base of engine providers."""
