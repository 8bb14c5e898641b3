# Packages: DEB here (cpack -G DEB); NSIS, DragNDrop and AppImage recipes are listed in installers/README.md.
set(CPACK_PACKAGE_NAME "proxyscope")
set(CPACK_PACKAGE_VENDOR "Proxyscope")
set(CPACK_PACKAGE_CONTACT "Proxyscope developers <dev@proxyscope.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Proxy inspector and configurator (forward and reverse)")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The SVG image plugin is loaded at run time, so shlibdeps cannot see it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6svg6")
set(CPACK_GENERATOR "DEB")
include(CPack)
