"""Retention and the right to erasure (AVG art. 17, WGBO art. 7:454/7:455 BW)."""
