"""kombu's Redis transport, with the one step mended that made losing Redis fatal to a worker
(kombu 5.7; celery/worker/consumer/consumer.py on_connection_error_after_connected).

A worker with a free pool process keeps a BRPOP pending while it runs a task. When Redis goes
away and the loss is seen first on another socket of the connection (remote control's pub/sub),
Connection.collect() closes the task channel: its close reads the pending BRPOP's reply first,
which raises, so the channel stays open with its unacknowledged messages; then collect() detaches
the transport (client = None). The next close (connection.close()) restores those messages
through Channel._connparams, which reads client.hostname: AttributeError, which nothing handles
("Unrecoverable error"), and the worker exits. No setting avoids that state, so here a dead
BRPOP reply is dropped (it is lost with the broker anyway), and a detached channel reports a
connection error, which every caller handles. Nothing else changes.

tests/faults/test_worker_outlives_broker.py fails with the reported crash without it.
"""

from __future__ import annotations

from queue import Empty

from kombu.transport import redis as kombu_redis


class SafeChannel(kombu_redis.Channel):
    def close(self):
        if self._in_poll:
            try:
                self._brpop_read()  # clears _in_poll, raising or not
            except (Empty, *self.connection_errors):
                pass
        super().close()

    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise ConnectionError("The broker connection of this channel is closed.")
        return super()._connparams(asynchronous=asynchronous)


class RedisTransport(kombu_redis.Transport):
    Channel = SafeChannel
