"""The loaded data: one Dataset version of every layer, with its graph and indexes, swapped whole.

Also privacy coarsening, edit history, placing features in communes, freshness and the feature
query engine behind the OGC API.
"""
