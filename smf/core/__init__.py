"""Shared mechanisms that know no domain: encrypted fields and the blind index,
timestamps, the one versioned save, the one form runner and its conflict screen.

Every app builds on these; nothing here imports an app of the product.
"""
