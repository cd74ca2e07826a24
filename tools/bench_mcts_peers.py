"""Peers for `tools/bench mcts`, one thread each: OpenSpiel's MCTSBot with one random rollout per
leaf (simulations/s from the start; mistakes on the shared Connect Four positions at 1,000
simulations), and DeepMind's mctx gumbel_muzero_policy stepping pgx's connect_four with a trivial
evaluator (batch 256, 32 simulations, jit). Prints one JSON object.
Usage: bench_mcts_peers.py POSITIONS_FILE [part...]   (parts: openspiel, mistakes, mctx)"""
import json
import os
import sys
import time

import numpy as np

SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
positions_file = sys.argv[1]
parts = sys.argv[2:] or ["openspiel", "mistakes", "mctx"]
out = {}


def openspiel_bot(game, sims, seed):
    from open_spiel.python.algorithms import mcts
    import pyspiel
    rng = np.random.RandomState(seed)
    evaluator = mcts.RandomRolloutEvaluator(n_rollouts=1, random_state=rng)
    return mcts.MCTSBot(game, uct_c=2, max_simulations=sims, evaluator=evaluator, random_state=rng, solve=False)


def cpp_bot(game, sims, seed):
    import pyspiel
    evaluator = pyspiel.RandomRolloutEvaluator(1, seed)
    return pyspiel.MCTSBot(game, evaluator, 2.0, sims, 10 ** 9, False, seed, False)


if "openspiel" in parts:
    import pyspiel
    speeds = {}
    for name in ("connect_four", "tic_tac_toe"):
        game = pyspiel.load_game(name)
        speeds[name] = {}
        for sims in (1000, 10000):
            bot = cpp_bot(game, sims, 1)
            state = game.new_initial_state()
            bot.step(state)
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < SECONDS:
                bot.step(state)
                n += sims
            speeds[name][str(sims)] = n / (time.perf_counter() - t0)
    out["pure_mcts_sims_per_s"] = speeds

if "mistakes" in parts:
    import pyspiel
    game = pyspiel.load_game("connect_four")
    bot = cpp_bot(game, 1000, 1)
    mistakes = total = 0
    for line in open(positions_file):
        moves, score, move_scores, _ = line.rstrip("\n").split("\t")
        state = game.new_initial_state()
        for m in moves:
            state.apply_action(int(m) - 1)
        action = bot.step(state)
        scores = move_scores.split(",")
        chosen = int(scores[action])
        if np.sign(chosen) < np.sign(int(score)):
            mistakes += 1
        total += 1
    out["mistake_rate"] = mistakes / total
    out["positions"] = total

if "mctx" in parts:
    import jax
    import jax.numpy as jnp
    import mctx
    import pgx

    env = pgx.make("connect_four")
    B, SIMS = 256, 32
    key = jax.random.PRNGKey(0)

    def roots(key):
        state = jax.vmap(env.init)(jax.random.split(key, B))
        for _ in range(4):
            key, k = jax.random.split(key)
            logits = jnp.where(state.legal_action_mask, 0.0, -1e9)
            state = jax.vmap(env.step)(state, jax.random.categorical(k, logits))
        return state

    def recurrent_fn(params, rng_key, action, state):
        player = state.current_player
        state = jax.vmap(env.step)(state, action)
        reward = state.rewards[jnp.arange(B), player]
        logits = jnp.where(state.legal_action_mask, 0.0, -1e9)
        discount = jnp.where(state.terminated, 0.0, -1.0)
        return mctx.RecurrentFnOutput(reward=reward, discount=discount, prior_logits=logits, value=jnp.zeros(B)), state

    @jax.jit
    def search(key, state):
        root = mctx.RootFnOutput(prior_logits=jnp.where(state.legal_action_mask, 0.0, -1e9), value=jnp.zeros(B), embedding=state)
        return mctx.gumbel_muzero_policy(params=None, rng_key=key, root=root, recurrent_fn=recurrent_fn, num_simulations=SIMS,
                                         invalid_actions=~state.legal_action_mask, max_num_considered_actions=16)

    state = roots(key)
    jax.block_until_ready(search(key, state).action)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < SECONDS:
        key, k = jax.random.split(key)
        jax.block_until_ready(search(k, state).action)
        n += B * SIMS
    out["batched_gumbel_sims_per_s"] = n / (time.perf_counter() - t0)

print(json.dumps(out))
