"""Networks: BridgeNetwork (a user-defined bridge, or docker0 looked up), the DockerNetwork provider that
creates one, NetworkConnection (connect a running container), and the pure address planning they share."""
