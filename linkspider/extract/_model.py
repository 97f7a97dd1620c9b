"""Placement model parameters, written by bench/placement_cv.py --write; do not edit by hand.

Logistic regression over placement.features(), l2 C 0.03, body threshold
0.42, chosen by 5-fold cross-validation grouped by site.
Held-out body F1 (pages of sites the model was not trained on):
- aeb: 0.859 (10 folds grouped by site), 0.857 (source held out)
- wcxb: 0.919 (10 folds grouped by site), 0.874 (source held out)
- readability: 0.963 (10 folds grouped by site), 0.963 (source held out)
"""
WEIGHTS = (
    0.9548122189067891,  # in_main
    0.5742629593858938,  # has_main
    -0.907128122135954,  # out_of_main
    -0.752708445482132,  # after_main
    -1.0115034876726214,  # marker_nav
    -0.9829554683525787,  # marker_header
    -1.0156272869020508,  # marker_footer
    -1.3451854138282275,  # marker_sidebar
    -2.3414145587979553,  # marker_comment
    0.03792746116291275,  # link_only
    -0.3868407732289376,  # content_vocab
    1.7294527324066433,  # block_prose
    1.6916113845714547,  # block_li
    2.2523883300710326,  # block_heading
    1.2916100478262542,  # block_cell
    0.11843900835463848,  # log_block_chars
    -1.6456923007701993,  # block_link_density
    0.11327917722105339,  # log_block_plain_chars
    0.11547374708480082,  # log_up_chars
    0.21032923802213963,  # up_link_density
    0.0013736293593704923,  # log_up_plain_chars
    -1.1062319768691284,  # context_link_density
    -0.5046913363262008,  # link_list
    -0.2535457875801999,  # log_anchor_chars
    -0.521072398470724,  # same_site
    1.1613064599380627,  # content_score_share
    -0.19589655871395076,  # site_link_list
    0.4289471746931226,  # heading_in_prose
    -0.23905664803429424,  # site_link_only
    -0.027640179361830913,  # li_external
)
BIAS = -1.700552680256609
THRESHOLD = 0.42
