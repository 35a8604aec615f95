"""The Redis Cluster's dynamic resources, one module each (formation, slot_seed, live_settings, roll_plan,
roll_step, starting_password, generated_password), the node operations they share (seeding, resharding), and
the one way they reach the nodes (node_session)."""
