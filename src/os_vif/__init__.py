"""os-vif: plug and unplug the host side of VM and container network interfaces."""
