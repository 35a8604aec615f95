"""The Docker engine: the client the project's own providers and checks use, which engine the program
targets, what is looked up on it (networks, host routes, containers), and the base of engine providers."""
