"""The AARRR stages as vectorised steps over customers.

``activation`` creates customers and books their first purchase (used by
every acquisition source), ``acquisition`` runs channels, organic adoption
and referral arrivals, ``retention`` decides churn, ``revenue`` repeat
purchases and ``referral`` invitations. ``sim.engine`` calls them in the
order of the day.
"""
