"""Reference for `tools/bench games`: OpenSpiel's native random simulations, one thread.

pyspiel.random_sim_test plays whole random games in C++ (it also checks some invariants as it
goes, so it is an upper bound on OpenSpiel's playout time). Prints {game: playouts_per_s} as JSON.
"""
import json
import time

import pyspiel

# Dojo name -> the same game in OpenSpiel.
GAMES = {
    "tic_tac_toe": "tic_tac_toe",
    "connect_four": "connect_four",
    "othello": "othello",
    "hex": "hex(board_size=11)",
    "gomoku": "gomoku",
    # OpenSpiel's go on the same boards and komi (its own rules' details may differ from Dojo's Tromp-Taylor).
    "go": "go(board_size=9,komi=7.0)",
    "go_19": "go(board_size=19,komi=7.5)",
}

rates = {}
for name, spiel in GAMES.items():
    game = pyspiel.load_game(spiel)
    n, elapsed = 16, 0.0
    while elapsed < 1.0:
        n *= 2
        t = time.perf_counter()
        pyspiel.random_sim_test(game, num_sims=n, serialize=False, verbose=False)
        elapsed = time.perf_counter() - t
    rates[name] = n / elapsed
print(json.dumps(rates))
