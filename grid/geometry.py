"""Boundaries as GeoJSON (RFC 7946): positions are [longitude, latitude], a Polygon is a list of
rings (the outline, then its holes) and a MultiPolygon a list of Polygons. Plain functions on
the stored JSON, without a spatial library."""

Position = tuple[float, float]


def polygons(boundary: dict | None) -> list[list]:
    if not boundary:
        return []
    if boundary.get("type") == "Polygon":
        return [boundary["coordinates"]]
    if boundary.get("type") == "MultiPolygon":
        return list(boundary["coordinates"])
    return []


def ring_edges(ring: list) -> list[tuple[Position, Position]]:
    points = [(float(p[0]), float(p[1])) for p in ring]
    return list(zip(points, points[1:] + points[:1], strict=True))


def ring_contains(ring: list, longitude: float, latitude: float) -> bool:
    """Ray casting: a ray from the point towards the east crosses the ring an odd number of
    times exactly when the point is inside (each edge counts half-open, so a vertex on the
    ray is crossed once)."""
    inside = False
    for (x1, y1), (x2, y2) in ring_edges(ring):
        if (y1 > latitude) != (y2 > latitude) and longitude < x1 + (latitude - y1) * (x2 - x1) / (
            y2 - y1
        ):
            inside = not inside
    return inside


def boundary_contains(boundary: dict | None, longitude: float, latitude: float) -> bool:
    """Inside the outline of one of the boundary's polygons and outside that polygon's holes."""
    return any(
        rings
        and ring_contains(rings[0], longitude, latitude)
        and not any(ring_contains(hole, longitude, latitude) for hole in rings[1:])
        for rings in polygons(boundary)
    )


def boundary_centre(boundary: dict | None) -> Position | None:
    """(longitude, latitude) of the centroid of the boundary's largest outline (shoelace
    formula); None without a boundary."""
    best: tuple[float, float, float] | None = None
    for rings in polygons(boundary):
        twice_area = x_sum = y_sum = 0.0
        for (x1, y1), (x2, y2) in ring_edges(rings[0]) if rings else []:
            cross = x1 * y2 - x2 * y1
            twice_area += cross
            x_sum += (x1 + x2) * cross
            y_sum += (y1 + y2) * cross
        if twice_area and (best is None or abs(twice_area) > best[0]):
            best = (abs(twice_area), x_sum / (3 * twice_area), y_sum / (3 * twice_area))
    return (best[1], best[2]) if best else None


Box = tuple[float, float, float, float]


def boundary_box(boundary: dict | None) -> Box | None:
    """(west, south, east, north): the smallest longitude/latitude rectangle holding every
    outline of the boundary; None without one. Stored on each area, so that locating a point
    tests exactly only the few areas whose box holds it."""
    points = [
        (float(p[0]), float(p[1]))
        for rings in polygons(boundary)
        for p in (rings[0] if rings else [])
    ]
    if not points:
        return None
    longitudes, latitudes = [x for x, _y in points], [y for _x, y in points]
    return min(longitudes), min(latitudes), max(longitudes), max(latitudes)
