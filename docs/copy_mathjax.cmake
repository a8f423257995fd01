# docs/copy_mathjax.cmake — copies the part of MathJax 2 that the generated pages use into the
# site, so that formulas render from the site's own folder with no network and without
# libjs-mathjax on the reader's machine. Run by the `docs` target:
#
#   cmake -DMATHJAX_SOURCE=/usr/share/javascript/mathjax -DMATHJAX_DEST=<html>/mathjax \
#         -P copy_mathjax.cmake
#
# What the pages load (Doxygen's inline config: tex2jax, TeX input with AMSmath/AMSsymbols,
# HTML-CSS output): MathJax.js; the TeX input jax and every TeX extension it may autoload for a
# macro (\boldsymbol, \cancel, ...); the MathML element jax and its operator tables; the HTML-CSS
# output jax, its autoloaded parts and its TeX font data; the menu/zoom/event extensions a reader
# triggers by clicking a formula; and the TeX web fonts (woff, what every current browser uses)
# for machines without the MathJax fonts installed. Not copied: the other output jax, the STIX
# and other font sets, MathML/AsciiMath input, the localisations (English is built in), the
# unpacked sources and otf/svg fonts: about 1.3 MB in 176 files instead of 54 MB.
foreach(var MATHJAX_SOURCE MATHJAX_DEST)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "copy_mathjax.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${MATHJAX_SOURCE}/MathJax.js")
  message(FATAL_ERROR "copy_mathjax.cmake: ${MATHJAX_SOURCE}/MathJax.js not found; install "
                      "MathJax 2 (Debian: apt-get install libjs-mathjax fonts-mathjax) or set "
                      "CNNLAB_MATHJAX_SOURCE")
endif()

set(files
  MathJax.js
  extensions/tex2jax.js
  extensions/MathEvents.js
  extensions/MathMenu.js
  extensions/MathZoom.js
  extensions/FontWarnings.js
  extensions/HelpDialog.js
  jax/output/HTML-CSS/config.js
  jax/output/HTML-CSS/jax.js
)
set(dirs
  extensions/TeX
  jax/input/TeX
  jax/element/mml
  jax/output/HTML-CSS/autoload
  jax/output/HTML-CSS/fonts/TeX
  fonts/HTML-CSS/TeX/woff
)

file(REMOVE_RECURSE "${MATHJAX_DEST}")
foreach(f IN LISTS files)
  if(NOT EXISTS "${MATHJAX_SOURCE}/${f}")
    message(FATAL_ERROR "copy_mathjax.cmake: ${MATHJAX_SOURCE}/${f} not found")
  endif()
  # COPY_FILE writes the content (a symlink's target, never the link itself).
  get_filename_component(sub "${f}" DIRECTORY)
  file(MAKE_DIRECTORY "${MATHJAX_DEST}/${sub}")
  file(COPY_FILE "${MATHJAX_SOURCE}/${f}" "${MATHJAX_DEST}/${f}")
endforeach()
foreach(d IN LISTS dirs)
  if(NOT IS_DIRECTORY "${MATHJAX_SOURCE}/${d}")
    message(FATAL_ERROR "copy_mathjax.cmake: ${MATHJAX_SOURCE}/${d}/ not found")
  endif()
  file(GLOB_RECURSE found RELATIVE "${MATHJAX_SOURCE}/${d}" "${MATHJAX_SOURCE}/${d}/*")
  foreach(f IN LISTS found)
    if(f MATCHES "^mhchem3/") # the chemistry extension's second version: never loaded here
      continue()
    endif()
    get_filename_component(sub "${d}/${f}" DIRECTORY)
    file(MAKE_DIRECTORY "${MATHJAX_DEST}/${sub}")
    file(COPY_FILE "${MATHJAX_SOURCE}/${d}/${f}" "${MATHJAX_DEST}/${d}/${f}")
  endforeach()
endforeach()
