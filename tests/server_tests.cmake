# Tests of the HTTP service (server/): included by tests/CMakeLists.txt.

# The router called directly, without sockets.
postsearch_test(server_tests test_router.cpp)
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
