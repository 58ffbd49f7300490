# Tests of the HTTP service (server/): included by tests/CMakeLists.txt.

# The router called directly, without sockets.
postsearch_test(server_tests test_router.cpp test_page_renderer.cpp
                test_operability.cpp test_metrics.cpp test_access_log.cpp)
target_link_libraries(server_tests PRIVATE postsearch_http)

# The Beast layer in-process, over real TCP on 127.0.0.1:0.
postsearch_test(http_server_tests test_http_server.cpp)
target_link_libraries(http_server_tests PRIVATE postsearch_http)

# The real postsearch-server binary, spawned on 127.0.0.1:0.
postsearch_test(e2e_tests test_e2e_server.cpp)
target_link_libraries(e2e_tests PRIVATE postsearch_http)
add_dependencies(e2e_tests postsearch-server)

# Issue 4: many keep-alive clients against the real server while the index changes every second.
postsearch_test(live_load_tests test_live_load.cpp)
target_link_libraries(live_load_tests PRIVATE postsearch_http)
add_dependencies(live_load_tests postsearch-server postsearch-index)

# Issue 6: hostile clients over raw sockets against the real binary, with small limits.
postsearch_test(hostile_tests test_hostile_clients.cpp)
target_link_libraries(hostile_tests PRIVATE postsearch_http)
add_dependencies(hostile_tests postsearch-server)

# Operability end to end: /metrics parsed by the Prometheus client's parser after traffic,
# ETag/304 across a postsearch-index run, the JSON access log under hostile clients. Debian's
# python3-prometheus-client (scripts/install-deps.sh) lives with /usr/bin/python3, which a
# pyenv or venv python3 earlier in PATH would not see.
find_program(POSTSEARCH_SYSTEM_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(POSTSEARCH_SYSTEM_PYTHON)
  add_test(NAME "ops: metrics, ETags and the access log against the real binaries"
           COMMAND ${POSTSEARCH_SYSTEM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ops_e2e.py ${CMAKE_BINARY_DIR})
  set_tests_properties("ops: metrics, ETags and the access log against the real binaries"
                       PROPERTIES TIMEOUT 120)
endif()

# `cmake --install` into a temporary prefix: binaries, assets and examples, and
# P/bin/postsearch-server --version (also the other two) runs from there.
add_test(NAME "install: cmake --install puts binaries, assets and examples under the prefix"
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/install_test.sh ${CMAKE_BINARY_DIR})
set_tests_properties("install: cmake --install puts binaries, assets and examples under the prefix"
                     PROPERTIES TIMEOUT 120)

# Issue 8: read replicas with xapian-replicate-server / xapian-replicate (Debian's xapian-tools)
# on loopback; a server over the replica sees incremental and --full updates made on the master.
add_test(NAME "replica: a server over an xapian-replicate copy sees updates made on the master"
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/replica_test.sh ${CMAKE_BINARY_DIR})
set_tests_properties("replica: a server over an xapian-replicate copy sees updates made on the master"
                     PROPERTIES TIMEOUT 180)

# Issue 8: two xapian-tcpsrv shards and the real server and CLI over them, against one database.
postsearch_test(shard_e2e_tests test_shards_e2e.cpp)
target_link_libraries(shard_e2e_tests PRIVATE postsearch_http)
add_dependencies(shard_e2e_tests postsearch-server postsearch)

# Issue 13: over every real corpus, each post's longest words and their prefixes searched and
# completed through the real server: never a 5xx, never a dead worker.
postsearch_test(property_tests test_corpus_properties.cpp)
target_link_libraries(property_tests PRIVATE postsearch_http)
add_dependencies(property_tests postsearch-server)
