"""ethtool (net/ethtool/)."""
