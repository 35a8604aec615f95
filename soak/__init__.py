"""`make soak STACK=redis|swarm`: what a Redis Cluster client sees while the cluster fails over, reshards,
restarts and is repaired, and while a Swarm host is stopped (issue 20); while a setting is changed live,
and the image or the ports roll (issue 22).

A redis-py RedisCluster client writes sequential keys at a steady rate and reads earlier ones back
throughout each event, once with and once without `WAIT 1` after every write; afterwards every
acknowledged key is read back. Modules: load (the client), replicated_write (SET + WAIT on one
connection), events (what is done to the cluster, and on which stack), recovery (every slot served
again), host_stopped (the Swarm's event), day_two (the day-2 changes), rolled_image (the second image
they roll to), replaced (which containers an up replaced), targets (what each must keep), stack (the
run's isolated copy of the stack), stack_target and swarm_target (one engine or the local Swarm: what
differs, how the nodes are reached), report (figures per event, pure), runner (one event under load),
__main__ (the command).
"""
