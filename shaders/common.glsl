// common.glsl — included by every compute shader of cnnlab (shaders/*.comp).
//
// Grids: Vulkan only guarantees 65,535 workgroups per dimension, so 1-D problems are dispatched
// as a 2-D grid of workgroups (x up to 65,535, then y); flat_group() numbers them 0, 1, 2, ...
// row by row, and the host (vulkan_backend.cpp, grid_for()) picks x and y.
// Loop limit: Mesa's lavapipe silently ends an invocation after 65,535 loop iterations in total,
// so every loop in these shaders has a bound the host keeps small (see docs/vulkan.md).
#extension GL_EXT_control_flow_attributes : require

uint flat_group() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }
