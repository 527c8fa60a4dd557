/* Stand-in for libx265 in NemoDesk's Linux bundle (packaging/slim_linux.py builds it).
 *
 * PyAV's FFmpeg links the HEVC encoder library although NemoDesk only ever encodes H.264; the real library
 * is 20 MB of the bundle. FFmpeg asks x265 for its API table when it lists encoders and when it opens one:
 * answering "none" makes the libx265 encoder report itself unavailable instead of crashing, and nothing
 * else in FFmpeg calls into x265. The exported name carries x265's build number, so the build passes it in
 * (-DX265_API_GET=x265_api_get_NNN) after reading it from libavcodec's imports.
 */
#ifndef X265_API_GET
#error "define X265_API_GET as the x265_api_get_<build> name that libavcodec imports"
#endif

const void *X265_API_GET(int bit_depth)
{
    (void)bit_depth;
    return 0;
}
