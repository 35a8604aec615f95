"""Where the dynamic providers lived before components/ was organised by concern.

Pulumi keeps each dynamic resource's provider pickled in the stack's state, by its module path; a stack
deployed before the move deletes and diffs its resources with those paths. These modules keep them
importable. New code imports from the packages named in each module.
"""
