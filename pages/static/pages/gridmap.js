/* The three-level grid map: district → streets → communities → grids, drawn from the public
   registry API on a plain background (or on a deployment's own tiles). Each level zooms from
   the one above; a grid shows its household count and the people responsible for it. The list
   beside the map does the same as tapping the shapes, for keyboards and screen readers. */
(function () {
    "use strict";
    var configElement = document.getElementById("grid-map-config");
    var container = document.getElementById("grid-map");
    if (!configElement || !container || typeof L === "undefined") { return; }
    var config = JSON.parse(configElement.textContent);
    var labels = config.labels;
    var trailElement = document.getElementById("grid-map-trail");
    var listElement = document.getElementById("grid-map-list");
    var detailElement = document.getElementById("grid-map-detail");
    var COLOURS = {residential: "#1a5fb4", unit: "#b3261e", 0: "#5e5c64", 1: "#26a269", 2: "#9141ac"};

    // A tap chooses an area, so a double tap must not zoom as well.
    var map = L.map(container, {zoomSnap: 0.25, doubleClickZoom: false, zoomControl: false, attributionControl: Boolean(config.tiles)});
    L.control.zoom({zoomInTitle: labels.zoomIn, zoomOutTitle: labels.zoomOut}).addTo(map);
    if (config.tiles) {
        L.tileLayer(config.tiles, {attribution: config.attribution, maxZoom: 19}).addTo(map);
    }
    var layer = null;
    var trail = [{code: config.root, name: config.rootName, level: config.rootLevel}];

    function element(tag, text, className) {
        var node = document.createElement(tag);
        if (text !== undefined && text !== null) { node.textContent = text; }
        if (className) { node.className = className; }
        return node;
    }

    function colour(properties) {
        return COLOURS[properties.kind] || COLOURS[properties.level] || "#5e5c64";
    }

    function showGrid(properties) {
        detailElement.replaceChildren();
        var card = element("div", null, "card map-grid-detail");
        card.appendChild(element("h3", properties.name));
        card.appendChild(element("p", labels.code + " " + properties.code, "code"));
        card.appendChild(element("p", properties.kind_label + " · " + properties.household_count + " " +
            labels.households + " · " + properties.building_count + " " + labels.buildings));
        card.appendChild(element("h4", labels.workers));
        if (!properties.workers.length) { card.appendChild(element("p", labels.noWorkers, "muted")); }
        var list = element("ul", null, "workers");
        properties.workers.forEach(function (worker) {
            var item = element("li", null, "worker");
            item.appendChild(element("span", worker.name + " · " + worker.role, "worker-name"));
            if (worker.work_phone) {
                var phone = element("a", worker.work_phone);
                phone.href = "tel:" + worker.work_phone;
                item.appendChild(document.createElement("br"));
                item.appendChild(phone);
            }
            list.appendChild(item);
        });
        card.appendChild(list);
        detailElement.appendChild(card);
    }

    function choose(properties) {
        if (properties.kind === "facility") { return; }
        if (properties.level >= 3) { showGrid(properties); return; }
        trail.push({code: properties.code, name: properties.name, level: properties.level});
        load();
    }

    function renderTrail() {
        trailElement.replaceChildren();
        trail.forEach(function (step, index) {
            var item = element("li");
            if (index === trail.length - 1) {
                item.appendChild(element("span", step.name)).setAttribute("aria-current", "location");
            } else {
                var button = element("button", step.name, "link-button");
                button.type = "button";
                button.addEventListener("click", function () { trail = trail.slice(0, index + 1); load(); });
                item.appendChild(button);
            }
            trailElement.appendChild(item);
        });
    }

    function renderList(features) {
        listElement.replaceChildren();
        features.forEach(function (feature) {
            var properties = feature.properties;
            if (properties.kind === "facility") { return; }
            var button = element("button", properties.name + " " + properties.code, "map-choice");
            button.type = "button";
            button.addEventListener("click", function () { choose(properties); });
            var item = element("li");
            item.appendChild(button);
            listElement.appendChild(item);
        });
    }

    function draw(features) {
        if (layer) { map.removeLayer(layer); }
        detailElement.replaceChildren();
        layer = L.geoJSON({type: "FeatureCollection", features: features}, {
            style: function (feature) {
                return {color: colour(feature.properties), weight: 2, fillOpacity: 0.2};
            },
            pointToLayer: function (feature, latlng) {
                return L.circleMarker(latlng, {radius: 5, color: "#1b1f24", weight: 1, fillColor: "#f6d32d", fillOpacity: 0.9});
            },
            onEachFeature: function (feature, shape) {
                var properties = feature.properties;
                // Tooltips get DOM nodes, never HTML strings: names are data.
                if (properties.kind === "facility") {
                    shape.bindTooltip(element("span", properties.name + " · " + properties.type));
                    return;
                }
                var label = element("span", properties.name);
                label.appendChild(element("span", properties.code, "code"));
                shape.bindTooltip(label, {permanent: true, direction: "center", className: "area-label"});
                shape.on("click", function () { choose(properties); });
            }
        });
        // Leaflet draws shapes only once the map has a view: set it before adding the layer.
        var bounds = layer.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, {padding: [8, 8], animate: false}); }
        layer.addTo(map);
        layer.eachLayer(function (shape) {
            var properties = shape.feature.properties;
            var path = shape.getElement && shape.getElement();
            if (path && properties.code) {
                path.classList.add("area", "area-" + properties.code, "level-" + properties.level);
            }
        });
        renderTrail();
        renderList(features);
    }

    function load() {
        var current = trail[trail.length - 1];
        if (trail.length === 1 && config.features) { draw(config.features); return; }
        container.setAttribute("aria-busy", "true");
        fetch(config.api + "?parent=" + encodeURIComponent(current.code), {headers: {Accept: "application/json"}})
            .then(function (response) {
                if (!response.ok) { throw new Error(response.status); }
                return response.json();
            })
            .then(function (data) { draw(data.features); })
            .catch(function () { detailElement.replaceChildren(element("p", labels.loadError, "error")); })
            .finally(function () { container.removeAttribute("aria-busy"); });
    }

    load();
}());
