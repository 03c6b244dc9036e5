"""The media library: a workspace's images and PDF documents (uploaded, or carousels built here), stored once
per content hash, with thumbnails and page previews; the per-platform media rules (`limits.py`)."""
