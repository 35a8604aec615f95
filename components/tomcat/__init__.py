"""Tomcat containers: one as the tutorial's `docker run`, LinkedTomcatPair (the one-way hosts entry --link
wrote), and the checks of their settings."""
