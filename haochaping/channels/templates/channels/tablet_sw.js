/* Service worker of the hall tablet: keeps the tablet page and its script and stylesheet, so the
   tablet can start (e.g. after a reboot) while the network is down; queued ratings are then
   sent from localStorage when it returns. Network first, the cached copy when offline. */
"use strict";
var CACHE = "hcp-tablet-{{ version }}";
var SHELL = ["{{ page }}", "{{ script }}", "{{ style }}"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("hcp-tablet-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var path = new URL(request.url).pathname;
  if (SHELL.indexOf(path) < 0) return;  // polls and everything else: straight to the network
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(path).then(function (cached) { return cached || Response.error(); });
    })
  );
});
