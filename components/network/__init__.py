"""Networks: BridgeNetwork (a user-defined bridge) and look_up_default_bridge (docker0), the DockerNetwork
provider that creates one, NetworkConnection (connect a running container), and the pure address planning
they share."""
