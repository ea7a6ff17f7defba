/* Editor side of the "SRAtix checkout" block: the page renders it on the server (the shortcode's output). */
;((blocks, element, blockEditor, components, i18n) => {
  var el = element.createElement
  var __ = i18n.__
  blocks.registerBlockType("sratix/checkout", {
    title: __("SRAtix checkout", "sratix"),
    description: __("Sells the tickets of an SRAtix event.", "sratix"),
    icon: "tickets-alt",
    category: "widgets",
    attributes: { eventId: { type: "string", default: "" }, theme: { type: "string", default: "" } },
    edit: (props) =>
      el(
        "div",
        blockEditor.useBlockProps(),
        el(
          blockEditor.InspectorControls,
          null,
          el(
            components.PanelBody,
            { title: __("Event", "sratix") },
            el(components.TextControl, {
              label: __("Event id (empty: the site's current event)", "sratix"),
              value: props.attributes.eventId,
              onChange: (value) => {
                props.setAttributes({ eventId: value })
              },
            }),
            el(components.SelectControl, {
              label: __("Theme", "sratix"),
              value: props.attributes.theme,
              options: [
                { label: __("Site default", "sratix"), value: "" },
                { label: __("Light", "sratix"), value: "light" },
                { label: __("Dark", "sratix"), value: "dark" },
                { label: __("Follow the visitor", "sratix"), value: "auto" },
              ],
              onChange: (value) => {
                props.setAttributes({ theme: value })
              },
            }),
          ),
        ),
        el("p", null, __("SRAtix checkout — shown to visitors on the published page.", "sratix")),
      ),
    save: () => null,
  })
})(window.wp.blocks, window.wp.element, window.wp.blockEditor, window.wp.components, window.wp.i18n)
