"""Sinks: where published risk figures go, chosen like Heapster's with repeatable ``--sink=`` URIs.

``log``, ``file:PATH`` (JSON lines), ``influxdb:http://HOST:PORT/?db=NAME`` (line protocol,
Heapster-style ``risk/<metric>`` measurements with tags) and ``prometheus:[ADDRESS:]PORT``
(a ``/metrics`` endpoint). :mod:`.figures` turns one analysis into one batch of tagged
numbers; each sink only writes batches; :mod:`.publisher` keeps the sinks apart, so a failing
one is retried with backoff while the others go on. Sources in, sinks out.
"""
