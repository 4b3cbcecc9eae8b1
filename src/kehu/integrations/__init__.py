"""Integrations: personal API tokens and webhooks (outgoing, signed JSON events).

Other modules emit events with `kehu.integrations.events.emit(name, payload, customer=...)`
inside their transaction; see docs/api.md "Webhooks".
"""
